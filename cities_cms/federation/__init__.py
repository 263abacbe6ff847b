"""Federated publishing of shared practice models between the network's instances.

See docs/federation.md for the protocol.
"""
