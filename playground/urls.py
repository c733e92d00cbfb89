from django.urls import path

from playground import views

app_name = "playground"

urlpatterns = [
    path("", views.PlaygroundView.as_view(), name="index"),
    path("routes.json", views.routes_json, name="routes"),
]
