"""Payments API URLs (mounted under /api/v1/)."""

from django.urls import path

from payments.api import extras_views, views

urlpatterns = [
    path("bookings/<int:pk>/pay/", views.PayApi.as_view(), name="booking-pay"),
    path("bookings/<int:pk>/cancel/", views.CancelApi.as_view(), name="booking-cancel"),
    path(
        "bookings/<int:pk>/additional-work/<int:extra_id>/pay/",
        extras_views.ExtraPayApi.as_view(),
        name="booking-extra-pay",
    ),
    path("payments/webhooks/<str:provider>/", views.WebhookApi.as_view(), name="payment-webhook"),
    path("vouchers/", views.VoucherListApi.as_view(), name="voucher-list"),
]
