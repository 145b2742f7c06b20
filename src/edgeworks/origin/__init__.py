"""The origin client: keep-alive connection pools to the origins behind a node."""
