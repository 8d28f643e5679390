import pytest

pytestmark = pytest.mark.urls("healingpaws.tests.outage_urls")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/database-down/", "/redis-down/"])
def test_an_outage_gives_a_clear_503_page(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "没有丢失" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_are_still_server_errors(client):
    with pytest.raises(ZeroDivisionError):
        client.get("/bug/")
