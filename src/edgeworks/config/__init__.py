"""Configuration: CloudFront's vocabulary in YAML or JSON, validated into frozen data.

Error tree::

    EdgeworksError
    └── ConfigError          every problem found, each with its field path and value
"""
