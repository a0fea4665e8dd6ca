"""``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas``: what the provider reads before provisioning."""

from __future__ import annotations

import pytest

from tests.server.scim.conftest import SCIM_JSON, USER_SCHEMA, ScimClient

pytestmark = pytest.mark.anyio
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def test_the_service_provider_config_says_what_is_supported(scim: ScimClient) -> None:
    response = await scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SCIM_JSON)
    config = response.json()
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["bulk"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert config["meta"]["location"].endswith("/scim/v2/ServiceProviderConfig")


async def test_resource_types_and_schemas_describe_users_with_the_enterprise_extension_and_groups(
    scim: ScimClient,
) -> None:
    types = (await scim.get("/ResourceTypes")).json()
    assert {resource["id"]: resource["endpoint"] for resource in types["Resources"]} == {"User": "/Users",
                                                                                         "Group": "/Groups"}
    user_type = (await scim.get("/ResourceTypes/User")).json()
    assert user_type["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    schemas = (await scim.get("/Schemas")).json()
    assert {schema["id"] for schema in schemas["Resources"]} == {
        USER_SCHEMA, ENTERPRISE, "urn:ietf:params:scim:schemas:core:2.0:Group"}
    user_schema = (await scim.get(f"/Schemas/{USER_SCHEMA}")).json()
    assert any(attribute["name"] == "userName" for attribute in user_schema["attributes"])
    assert (await scim.get("/Schemas/urn:nothing")).status_code == 404
    assert (await scim.get("/ResourceTypes/Nothing")).status_code == 404
