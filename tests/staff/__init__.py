"""Tests of the back-office (the pages under /gestion/)."""
