"""The platform client and the push logic. No Qt."""
