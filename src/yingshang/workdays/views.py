from django.shortcuts import render
from django.utils import timezone

from yingshang.core.views import staff_required

from .calendar import year_overview


@staff_required
def calendar_view(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return render(
        request, "workdays/calendar.html", {"overview": year_overview(year), "year": year}
    )
