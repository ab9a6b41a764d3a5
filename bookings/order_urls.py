"""Owner page URLs: the garage, booking a slot, my orders (namespace "orders")."""

from django.urls import path

from bookings import order_views as views

app_name = "orders"
urlpatterns = [
    path("garage/", views.garage, name="garage"),
    path("garage/add/", views.vehicle_add, name="vehicle-add"),
    path("garage/<int:pk>/", views.vehicle_detail, name="vehicle"),
    path("garage/<int:pk>/health-record.csv", views.health_record_csv, name="health-record-csv"),
    path("garage/<int:pk>/health-record/", views.health_record_print, name="health-record"),
    path("garage/<int:pk>/edit/", views.vehicle_edit, name="vehicle-edit"),
    path("garage/<int:pk>/remove/", views.vehicle_remove, name="vehicle-remove"),
    path("book/", views.book, name="book"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/receipt/", views.order_receipt, name="receipt"),
    path("orders/<int:pk>/review/", views.order_review, name="review"),
    path("orders/<int:pk>/complaint/", views.order_complaint, name="complaint"),
    path("orders/<int:pk>/settlement-list/", views.order_settlement_list, name="settlement-list"),
    path("orders/<int:pk>/additional-work/", views.order_extras, name="extras"),
    path(
        "orders/<int:pk>/additional-work/<int:extra_id>/approve/",
        views.order_extra_decide,
        {"decision": "approve"},
        name="extra-approve",
    ),
    path(
        "orders/<int:pk>/additional-work/<int:extra_id>/decline/",
        views.order_extra_decide,
        {"decision": "decline"},
        name="extra-decline",
    ),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
