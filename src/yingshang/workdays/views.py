from django.shortcuts import render

from yingshang.core.views import staff_required

from .calendar import year_overview
from .forms import CalendarForm


@staff_required
def calendar_view(request):
    filter_form = CalendarForm(request.GET)
    year = filter_form.year_or_now()
    return render(
        request,
        "workdays/calendar.html",
        {"overview": year_overview(year), "year": year, "filter_form": filter_form},
    )
