"""Data sharing (四(三)): applications, the provider's review, grants and verifiable records."""
