"""Email senders: Azure Communication Services Email (`acs`) and a local .eml folder
(`outbox_dir`). Both are idempotent per `OutgoingEmail.key`."""
