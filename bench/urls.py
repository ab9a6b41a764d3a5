"""The project's URLs plus a trivial DRF endpoint to compare the quote endpoint's throughput with."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from carplatform.urls import urlpatterns as project_urlpatterns


class PingApi(APIView):
    """The cheapest DRF endpoint: same middleware, authentication and renderer, no query."""

    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/ping/", PingApi.as_view()), *project_urlpatterns]
