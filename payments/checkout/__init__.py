"""Checkout: payments for orders, the provider interface, the sandbox provider and webhooks."""
