"""The hostile suite reaches the publisher as the API's tests do: the app on the real runtime, through ASGI."""
from tests.publisher.api.conftest import api, publisher  # noqa: F401 - fixtures
