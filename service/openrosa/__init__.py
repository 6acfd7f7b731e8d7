"""OpenRosa 1.0 server for ODK Collect / KoboCollect / Enketo: form list, XForms, submissions."""
