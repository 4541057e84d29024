from django import forms

from accounts.inputs import CleanTextForm
from webhooks.models import Event
from webhooks.transport import MAX_URL_LENGTH, AddressRefused, check_url


class WebhookForm(CleanTextForm, forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=MAX_URL_LENGTH,
        help_text="Where MLFit posts each event, e.g. https://hooks.example.com/mlfit. "
        "It must be https and reach a public address.",
        error_messages={
            "required": "Fill in “Payload URL”: where MLFit should post the events.",
            "max_length": "Shorten “Payload URL” to at most %(limit_value)d characters (it has %(show_value)d).",
        },
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one event to send.",
            "invalid_choice": "Choose events from the list.",
        },
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            return check_url(url)
        except AddressRefused as exc:
            raise forms.ValidationError(str(exc), code="address_refused") from exc
