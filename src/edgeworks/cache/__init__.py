"""The shared HTTP cache: RFC 9111 rules as a pure core, memory and disk storage around it."""
