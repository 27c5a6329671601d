"""`python -m bench` (`make bench`): how far each operation is from the storage floor.

One run starts one private Azurite, measures raw azure-data-tables calls side by side with
the app's operations (in-process through the functions and over HTTP through the dev
host), counts storage round trips on the wire, and times cold start, the email worker and
the retention sweep. Results go to bench/results.json and the table in bench/README.md.
"""
