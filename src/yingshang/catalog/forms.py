"""Input of the catalogue pages: the portal search and the staff list filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yingshang.platform.forms import FilterForm

from .models import Category, TermKind, Theme


class SearchForm(FilterForm):
    q = forms.CharField(label=_("关键字"), required=False, max_length=100)
    department = forms.CharField(label=_("部门"), required=False, max_length=100)
    division = forms.CharField(label=_("行政区划"), required=False, max_length=12)
    theme = forms.ChoiceField(
        label=_("服务对象"), required=False, choices=[("", "—"), *Theme.choices]
    )
    event = forms.CharField(label=_("主题"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("事项类型"), required=False, choices=[("", "—"), *Category.choices]
    )

    def search_filters(self) -> dict:
        """The keyword filters of ``selectors.search_items``."""
        f = {k: v or "" for k, v in self.filters.items()}
        return {
            "q": f["q"],
            "department": f["department"],
            "division_code": f["division"],
            "theme": f["theme"],
            "life_event": f["event"],
            "category": f["category"],
        }


class StaffListForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)


class TermForm(forms.Form):
    """A search word for an item (staff page 检索词)."""

    code = forms.CharField(label=_("实施编码"), max_length=80)
    term = forms.CharField(label=_("词语"), max_length=50)
    kind = forms.ChoiceField(label=_("类型"), choices=TermKind.choices)
    source = forms.CharField(label=_("来源"), max_length=300, required=False)


class SuggestForm(forms.Form):
    """The type-ahead's query (``/services/suggest/?q=``); anything longer is cut."""

    q = forms.CharField(required=False, max_length=1000, strip=True)

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "")[:100] if self.is_valid() else ""


class DeleteTermForm(forms.Form):
    delete = forms.IntegerField(min_value=1)
