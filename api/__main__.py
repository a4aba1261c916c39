"""`python -m api`: serve the API with uvicorn on API_HOST:API_PORT."""

import uvicorn

from settings import load

if __name__ == "__main__":
    settings = load()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        proxy_headers=True,
    )
