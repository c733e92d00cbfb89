from django.contrib import admin

from accounts.models import Account, User

admin.site.register(Account)
admin.site.register(User)
