"""The API's answers as pydantic models, so the OpenAPI document describes every one (issue 18).

Each model reproduces the keys the service's view dict has always had; routes pass
``response_model_exclude_unset=True`` where a key appears only in some states, so no key is added.
"""
