"""Vouchers: issued on payment, redeemed at the shop, refunded or expired."""
