"""Shop counter voucher API URLs (mounted under /api/v1/shop/vouchers/)."""

from django.urls import path

from payments.api import counter_views as views

urlpatterns = [
    path("lookup/", views.VoucherLookupApi.as_view(), name="shop-voucher-lookup"),
    path("redeem/", views.VoucherRedeemApi.as_view(), name="shop-voucher-redeem"),
    path("redemptions/<int:pk>/undo/", views.RedemptionUndoApi.as_view(), name="shop-redemption-undo"),
]
