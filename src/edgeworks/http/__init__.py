"""HTTP/1.1 on uvloop and httptools: the viewer-facing server and shared header helpers."""
