"""Payments API URLs (mounted under /api/v1/)."""

from django.urls import path

from payments.api import views

urlpatterns = [
    path("bookings/<int:pk>/pay/", views.PayApi.as_view(), name="booking-pay"),
    path("bookings/<int:pk>/cancel/", views.CancelApi.as_view(), name="booking-cancel"),
    path("payments/webhooks/<str:provider>/", views.WebhookApi.as_view(), name="payment-webhook"),
    path("vouchers/", views.VoucherListApi.as_view(), name="voucher-list"),
]
