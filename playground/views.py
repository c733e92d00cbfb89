"""The API playground: a console where an integrator logs in and tries every operation."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from facturagem.api.links import API_ROOT
from playground.routes import api_routes


class PlaygroundView(TemplateView):
    template_name = "playground/index.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "api_root": API_ROOT}


@require_safe
def routes_json(request):
    """The route table the console offers, straight from the URL resolver."""
    return JsonResponse({"api_root": API_ROOT, "routes": api_routes()})
