"""Processing: the rules between the HTTP/CLI edges and storage."""
