"""The API reference is served by the service itself, for the dashboard, the playground
and the browsable API to link to."""

import pytest


@pytest.mark.parametrize("name, heading", [("api", "FACTURAgem API v1 reference"),
                                           ("heroku", "Heroku")])
def test_a_docs_page_renders_its_markdown_as_html(client, name, heading):
    response = client.get(f"/docs/{name}")
    assert response.status_code == 200
    assert heading in response.content.decode()
    assert "<table>" in response.content.decode()


def test_an_unknown_docs_page_is_404(client):
    assert client.get("/docs/secrets").status_code == 404
    assert client.get("/docs/..%2Fsettings").status_code == 404


def test_docs_redirects_to_the_api_reference(client):
    response = client.get("/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/docs/api"
