"""Edgeworks: a self-hosted serverless edge.

A layered pull CDN (edge and regional tiers in front of origins), a workflow service that runs
the Amazon States Language behind the Step Functions API, and an AppSync-style GraphQL API.
"""

__version__ = "0.1.0"
