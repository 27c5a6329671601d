"""Azure Table Storage: the RowKey scheme (`keys`), rows <-> models (`codec`), and the
stores implementing the request, outbox and purge ports on one table."""
