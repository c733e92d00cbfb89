from django.urls import path

from heroku import views

urlpatterns = [
    path("resources", views.resources, name="heroku-resources"),
    path("resources/<str:uuid>", views.resource, name="heroku-resource"),
    path("sso", views.sso, name="heroku-sso"),
    path("dashboard", views.dashboard, name="heroku-dashboard"),
]
