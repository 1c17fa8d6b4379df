from django.contrib import admin

from .models import BenchmarkValue


@admin.register(BenchmarkValue)
class BenchmarkValueAdmin(admin.ModelAdmin):
    list_display = ["period", "entity", "indicator", "value", "weight", "source"]
    list_filter = ["period", "indicator"]
    search_fields = ["entity", "indicator"]
