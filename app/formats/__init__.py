"""Import and export of annotation files in other tools' formats. No Qt."""
