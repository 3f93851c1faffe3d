"""The back-office's call pages (administrators manage calls, instructors read the
calls they instruct): ``services`` writes, ``selectors`` reads, ``forms`` parses,
``views`` renders, ``urls`` is included under ``gestion/`` by config/urls.py."""
