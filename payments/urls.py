"""Payment page URLs."""

from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("orders/<int:pk>/pay/", views.order_pay, name="pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<int:pk>/additional-work/<int:extra_id>/pay/", views.extra_pay, name="extra-pay"),
    path("orders/<int:pk>/voucher.svg", views.voucher_qr, name="voucher-qr"),
    path("sandbox/pay/<str:ref>/", views.sandbox_pay, name="sandbox-pay"),
]
