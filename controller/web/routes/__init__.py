"""The pages, one router per area; all use WebRoute (CSRF on POST, errors as pages)."""
