"""OpenRosa 1.0 server for ODK Collect / KoboCollect / Enketo (issue 6: to be built)."""

from flask import Blueprint

blp = Blueprint("openrosa", __name__, url_prefix="/openrosa")
