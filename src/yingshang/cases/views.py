from django.http import HttpResponse


def _stub(request, *a, **k):
    return HttpResponse("")


apply_bundle = apply_item = my_cases = my_case = my_case_action = track = material_file = _stub
queue = intake = trips = case_detail = case_action = case_visit = notice_pdf = _stub
