"""Workflows: the Amazon States Language, run durably behind the Step Functions API."""
