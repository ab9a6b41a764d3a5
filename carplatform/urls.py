"""The URL map: pages, the API under /api/v1/, its schema and docs, health, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from carplatform import views

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("ping/", views.PingApi.as_view(), name="ping"),
    # the hottest endpoint early: resolving a path walks the patterns before it (~0.1 ms a quote
    # behind the includes below); no other pattern here starts with quotes/
    path("quotes/", include("bookings.api.urls")),
    path("", include("bookings.api.order_urls")),
    path("", include("payments.api.urls")),
    path("shop/vouchers/", include("payments.api.counter_urls")),
    path("shop/", include("bookings.api.shop_urls")),
    path("", include("payments.api.settlement_urls")),
    path("shops/", include("shops.api.urls")),
    path("catalogue/", include("parts.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("shop/", include("shops.urls")),
    path("shop/", include("bookings.console_urls")),
    path("shop/", include("payments.console_urls")),
    path("", include("bookings.order_urls")),
    path("pay/", include("payments.urls")),
    path("", include("payments.settlement.urls")),
    path("shops/", include("shops.public_urls")),
    path("bookings/", include("bookings.urls")),
    path("catalogue/", include("parts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
