# examples/tls/conftest.py
import pytest


@pytest.fixture(scope="session")
def faxage_sim_tls():
    return True  # serve https:// with a throw-away local CA (needs faxage-sim[tls])
