"""Helpers the tests share: servers, factories, clients, data."""
