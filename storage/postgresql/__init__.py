"""The PostgreSQL backend (psycopg 3, a connection pool), for many processes on many machines."""
