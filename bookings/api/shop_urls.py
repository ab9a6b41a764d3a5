"""Shop staff API URLs (mounted under /api/v1/shop/)."""

from django.urls import path

from bookings.api import extras_views
from bookings.api import shop_views as views

urlpatterns = [
    path("bookings/", views.ShopBookingListApi.as_view(), name="shop-booking-list"),
    path("bookings/<int:pk>/", views.ShopBookingDetailApi.as_view(), name="shop-booking-detail"),
    path("bookings/<int:pk>/check-in/", views.CheckInApi.as_view(), name="shop-booking-check-in"),
    path("bookings/<int:pk>/steps/", views.StepApi.as_view(), name="shop-booking-steps"),
    path("bookings/<int:pk>/complete/", views.CompleteApi.as_view(), name="shop-booking-complete"),
    path(
        "bookings/<int:pk>/additional-work/",
        extras_views.ShopExtraListCreateApi.as_view(),
        name="shop-booking-extras",
    ),
    path(
        "bookings/<int:pk>/additional-work/<int:extra_id>/withdraw/",
        extras_views.ShopExtraWithdrawApi.as_view(),
        name="shop-booking-extra-withdraw",
    ),
    path(
        "bookings/<int:pk>/parts-used/",
        extras_views.ShopPartUsedApi.as_view(),
        name="shop-booking-parts-used",
    ),
    path("<int:shop_id>/reviews/<int:pk>/reply/", views.ReviewReplyApi.as_view(), name="shop-review-reply"),
]
