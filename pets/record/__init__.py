"""The medical record (issue 15): preventive care (the catalogue, the doses
given, the reminders), weights and prescriptions. Its models are loaded by
pets.models, so they belong to the pets app and its migrations."""
