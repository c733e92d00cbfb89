"""The Heroku pages and answers that show an api_key are never stored, and the dashboard
runs only this origin's scripts."""

from tests.test_security_headers import inline_scripts, policy


def test_the_provisioning_answer_with_the_api_key_is_never_stored(provisioned, heroku,
                                                                   provision_body):
    response = heroku.provision(provision_body())

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_dashboard_shows_the_key_under_a_strict_policy(provisioned, heroku, sso_form):
    uuid, _ = provisioned
    heroku.sso(sso_form(uuid))

    response = heroku.get("/heroku/dashboard")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert policy(response)["script-src"] == ["'self'"]
    assert inline_scripts(response.content.decode()) == []
