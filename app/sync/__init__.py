"""The platform client and the push logic. No Qt.

For the command line and the GUI:

- ``connect``: ``platform_url``, ``connect`` (a client with the stored key),
  ``check_connection`` (Test connection / ``remote status``), ``sync_overview`` (never
  pushed / pushed / changed / failed per dataset, audio file and set).
- ``push``: ``Pusher(ctx, client, PushOptions(...))`` with ``preflight`` (audio the
  platform would refuse) and ``run(dataset_id, progress, cancel) -> PushReport``.
- ``report``: ``PushProgress`` (what the progress callback gets) and ``PushReport``.
- ``credentials`` (keyring / RELAY_API_KEY) and ``settings`` (the base URL file).

Inside: ``client`` (httpx, one method per endpoint), ``endpoints`` (every path, the
assumed ones marked), ``errors``, ``retry``, ``cancel``, ``audio_formats``.
"""
