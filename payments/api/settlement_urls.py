"""Settlement API URLs (mounted under /api/v1/)."""

from django.urls import path

from payments.api import settlement_views as views

urlpatterns = [
    path("admin/settlements/", views.SettlementRunsApi.as_view(), name="admin-settlements"),
    path("admin/payouts/", views.PayoutsApi.as_view(), name="admin-payouts"),
    path("admin/payouts/<int:pk>/", views.PayoutActionApi.as_view(), name="admin-payout-action"),
    path("admin/commissions/", views.CommissionsApi.as_view(), name="admin-commissions"),
    path("shop/statements/", views.ShopStatementsApi.as_view(), name="shop-statements"),
]
