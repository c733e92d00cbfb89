from countries import views
from facturagem.api.routes import route

urlpatterns = [
    route("countries", views.CountryListView, "country-list"),
    route("countries/(?P<code>ID)", views.CountryDetailView, "country-detail"),
]
