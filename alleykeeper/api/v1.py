"""Version 1 of the JSON API (django-ninja), mounted at /api/v1/: OpenAPI schema at openapi.json, its page at
docs (Swagger UI from ninja's own static files: no CDN)."""

from ninja import NinjaAPI, Swagger

from alleykeeper.api import errors, routes_care, routes_places, routes_register
from alleykeeper.api.auth import TokenAuth


class Docs(Swagger):
    """ninja's Swagger UI page in the house's frame (a title, a heading, the way to get a token)."""

    template = "api/docs.html"


api = NinjaAPI(
    title="小巷管家 Alleykeeper API",
    version="1",
    description=(
        "社区防疫数据的 JSON 接口。每个请求带接口令牌（Authorization: Bearer <令牌>）；看到的范围、遮蔽与页面相同。"
        "列表按编号分页：用 next_cursor 取下一页；按 updated_since 同步。错误为 JSON：code 和说明如何更正的 message。"
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs=Docs(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/", routes_register.router)
api.add_router("/", routes_care.router)
api.add_router("/", routes_places.router)
