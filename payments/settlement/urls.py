"""Settlement page URLs: the platform's runs and reconciliation, a shop's statements."""

from django.urls import path

from payments.settlement import views

app_name = "settlement"
urlpatterns = [
    path("platform/settlement/", views.runs, name="runs"),
    path("platform/settlement/runs/<int:run_id>/", views.run_progress, name="run-progress"),
    path("platform/payouts/<int:payout_id>/", views.payout_action, name="payout-action"),
    path("platform/reconciliation/", views.reconciliation_latest, name="reconciliation-latest"),
    path("platform/reconciliation/<str:period>/", views.reconciliation, name="reconciliation"),
    path(
        "platform/reconciliation/<str:period>/shops/<int:shop_id>/",
        views.reconciliation_shop,
        name="reconciliation-shop",
    ),
    path(
        "platform/reconciliation/<str:period>/commissions.csv",
        views.reconciliation_csv_download,
        name="reconciliation-csv",
    ),
    path("shop/<int:shop_id>/statements/", views.shop_statements, name="shop-statements"),
]
