"""Friendly names of Microsoft 365 SKUs and service plans.

Microsoft names them by part number in Graph (`ENTERPRISEPACK`, `TEAMS1`); admins know
them by their product names. A subset of Microsoft's published list "Product names and
service plan identifiers for licensing"; anything else keeps its part number.
"""

from __future__ import annotations

SKU_NAMES: dict[str, str] = {
    "AAD_PREMIUM": "Microsoft Entra ID P1",
    "AAD_PREMIUM_P2": "Microsoft Entra ID P2",
    "ATP_ENTERPRISE": "Microsoft Defender for Office 365 (Plan 1)",
    "DESKLESSPACK": "Office 365 F3",
    "DEVELOPERPACK_E5": "Microsoft 365 E5 Developer",
    "EMS": "Enterprise Mobility + Security E3",
    "EMSPREMIUM": "Enterprise Mobility + Security E5",
    "ENTERPRISEPACK": "Office 365 E3",
    "ENTERPRISEPREMIUM": "Office 365 E5",
    "ENTERPRISEPREMIUM_NOPSTNCONF": "Office 365 E5 (without Audio Conferencing)",
    "EXCHANGEENTERPRISE": "Exchange Online (Plan 2)",
    "EXCHANGESTANDARD": "Exchange Online (Plan 1)",
    "FLOW_FREE": "Microsoft Power Automate Free",
    "INTUNE_A": "Microsoft Intune",
    "MCOEV": "Microsoft Teams Phone Standard",
    "MCOMEETADV": "Microsoft 365 Audio Conferencing",
    "O365_BUSINESS": "Microsoft 365 Apps for business",
    "O365_BUSINESS_ESSENTIALS": "Microsoft 365 Business Basic",
    "O365_BUSINESS_PREMIUM": "Microsoft 365 Business Standard",
    "OFFICESUBSCRIPTION": "Microsoft 365 Apps for enterprise",
    "PBI_PREMIUM_PER_USER": "Power BI Premium Per User",
    "POWER_BI_PRO": "Power BI Pro",
    "POWER_BI_STANDARD": "Power BI (free)",
    "PROJECT_P1": "Project Plan 1",
    "PROJECTESSENTIALS": "Project Online Essentials",
    "PROJECTPREMIUM": "Project Plan 5",
    "PROJECTPROFESSIONAL": "Project Plan 3",
    "RIGHTSMANAGEMENT": "Azure Information Protection Plan 1",
    "SPB": "Microsoft 365 Business Premium",
    "SPE_E3": "Microsoft 365 E3",
    "SPE_E5": "Microsoft 365 E5",
    "SPE_F1": "Microsoft 365 F3",
    "STANDARDPACK": "Office 365 E1",
    "STREAM": "Microsoft Stream",
    "THREAT_INTELLIGENCE": "Microsoft Defender for Office 365 (Plan 2)",
    "VISIOCLIENT": "Visio Plan 2",
    "VISIOONLINE_PLAN1": "Visio Plan 1",
}

SERVICE_PLAN_NAMES: dict[str, str] = {
    "ATP_ENTERPRISE": "Microsoft Defender for Office 365 (Plan 1)",
    "BI_AZURE_P2": "Power BI Pro",
    "BPOS_S_TODO_2": "To Do (Plan 2)",
    "BPOS_S_TODO_3": "To Do (Plan 3)",
    "DESKLESS": "Microsoft Shifts",
    "EXCHANGE_ANALYTICS": "Microsoft MyAnalytics (Full)",
    "EXCHANGE_S_DESKLESS": "Exchange Online Kiosk",
    "EXCHANGE_S_ENTERPRISE": "Exchange Online (Plan 2)",
    "EXCHANGE_S_STANDARD": "Exchange Online (Plan 1)",
    "FLOW_O365_P2": "Power Automate for Office 365",
    "FLOW_O365_P3": "Power Automate for Office 365",
    "FORMS_PLAN_E3": "Microsoft Forms (Plan E3)",
    "FORMS_PLAN_E5": "Microsoft Forms (Plan E5)",
    "INTUNE_O365": "Mobile Device Management for Office 365",
    "LOCKBOX_ENTERPRISE": "Customer Lockbox",
    "MCOEV": "Microsoft Teams Phone Standard",
    "MCOMEETADV": "Microsoft 365 Audio Conferencing",
    "MCOSTANDARD": "Skype for Business Online (Plan 2)",
    "MICROSOFT_SEARCH": "Microsoft Search",
    "MYANALYTICS_P2": "Insights by MyAnalytics",
    "OFFICESUBSCRIPTION": "Microsoft 365 Apps for enterprise",
    "ONEDRIVE_BASIC_P2": "OneDrive Basic for Visio",
    "POWERAPPS_O365_P2": "Power Apps for Office 365",
    "POWERAPPS_O365_P3": "Power Apps for Office 365",
    "PROJECT_CLIENT_SUBSCRIPTION": "Project Online Desktop Client",
    "PROJECTWORKMANAGEMENT": "Microsoft Planner",
    "RMS_S_ENTERPRISE": "Microsoft Entra RMS",
    "SHAREPOINT_PROJECT": "Project Online Service",
    "SHAREPOINTENTERPRISE": "SharePoint (Plan 2)",
    "SHAREPOINTSTANDARD": "SharePoint (Plan 1)",
    "SHAREPOINTWAC": "Office for the web",
    "STREAM_O365_E3": "Microsoft Stream for Office 365 E3",
    "STREAM_O365_E5": "Microsoft Stream for Office 365 E5",
    "SWAY": "Sway",
    "TEAMS1": "Microsoft Teams",
    "THREAT_INTELLIGENCE": "Microsoft Defender for Office 365 (Plan 2)",
    "VISIO_CLIENT_SUBSCRIPTION": "Visio desktop app",
    "VISIOONLINE": "Visio web app",
    "WHITEBOARD_PLAN2": "Whiteboard (Plan 2)",
    "WHITEBOARD_PLAN3": "Whiteboard (Plan 3)",
    "YAMMER_ENTERPRISE": "Viva Engage (Yammer Enterprise)",
}


def sku_name(part_number: str) -> str:
    """The product name of a SKU, or its part number when it is not in the list."""
    return SKU_NAMES.get(part_number.upper(), part_number)


def service_plan_name(plan_name: str) -> str:
    """The name of a service plan, or its own name when it is not in the list."""
    return SERVICE_PLAN_NAMES.get(plan_name.upper(), plan_name)
